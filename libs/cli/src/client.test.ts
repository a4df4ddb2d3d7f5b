import { expect, it } from 'vitest';
import { sameServer } from './client.js';

it('binds a saved token to the server it was issued by, however its URL is spelled', () => {
  expect(sameServer('http://127.0.0.1:5002', 'http://127.0.0.1:5002/')).toBe(true);
  expect(sameServer('http://berth.example:80/', 'HTTP://BERTH.example')).toBe(true);
  expect(sameServer('http://127.0.0.1:5002', 'http://127.0.0.1:5003')).toBe(false);
  expect(sameServer('http://berth.example', 'https://berth.example')).toBe(false);
  expect(sameServer('http://a.example/berth', 'http://a.example/other')).toBe(false);
  expect(sameServer('not a url', 'not a url')).toBe(false);
});
