/**
 * The fraud API's key the bank's function is configured with (stack.ts). A real app reads its key from Secrets
 * Manager; a plain value keeps the example self-contained, and lets its test check that the key is never recorded.
 */
export const EXAMPLE_FRAUD_API_KEY = 'sk_test_bank_example_do_not_record'
