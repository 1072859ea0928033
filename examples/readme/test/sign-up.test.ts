// test/sign-up.test.ts: the function and its interceptor by construct id, on whichever target the run has
import { useFunction, useInterceptor } from 'stakeout'
import { expect, it } from 'vitest'

const signUp = useFunction('SignUp')
const api = useInterceptor('SignUp')

it('creates the user through the users API', async () => {
  await api.mock('https://users.example.com/v1/*', { status: 201 })

  const out = await signUp.invoke({ email: 'ada@example.com' })

  expect(out.result).toEqual({ created: true })
  await expect(api).toHaveCalled('https://users.example.com/v1/users', {
    method: 'POST',
    body: { email: 'ada@example.com' },
  })
})

it('reports the user not created when the users API refuses it', async () => {
  await api.mock('https://users.example.com/v1/*', { status: 409 })

  const out = await signUp.invoke({ email: 'ada@example.com' })

  expect(out.result).toEqual({ created: false })
})
