import { expect, it } from 'vitest';
import { againOnNoAnswer } from './docker-ops.js';

const failing = (errors: Error[], value: string) => {
  let calls = 0;
  const step = () => {
    const error = errors[calls++];
    return error === undefined ? Promise.resolve(value) : Promise.reject(error);
  };
  return { step, calls: () => calls };
};

it('tries again when Docker did not answer (a reset connection), then succeeds', async () => {
  const { step, calls } = failing([new Error('socket hang up'), new Error('ECONNRESET')], 'made');
  expect(await againOnNoAnswer(step, 3, 1)).toBe('made');
  expect(calls()).toBe(3);
});

it("takes Docker's answer as final: an error with a status is not tried again", async () => {
  const noImage = Object.assign(new Error('No such image: web:9'), { statusCode: 404 });
  const { step, calls } = failing([noImage], 'made');
  await expect(againOnNoAnswer(step, 3, 1)).rejects.toBe(noImage);
  expect(calls()).toBe(1);
});

it('gives up after the attempts it was given', async () => {
  const hangUp = new Error('socket hang up');
  const { step, calls } = failing([hangUp, hangUp, hangUp], 'made');
  await expect(againOnNoAnswer(step, 2, 1)).rejects.toBe(hangUp);
  expect(calls()).toBe(2);
});
