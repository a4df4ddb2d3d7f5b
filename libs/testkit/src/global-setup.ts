// Vitest globalSetup: one real nats-server (with a password) for the whole run; tests isolate
// by subject.
import type { TestProject } from 'vitest/node';
import { startNatsServer } from '@berth/local-infra';
import './provided.js';

export default async function setup(project: TestProject) {
  const nats = await startNatsServer();
  project.provide('nats', nats.access);
  return () => nats.stop();
}
