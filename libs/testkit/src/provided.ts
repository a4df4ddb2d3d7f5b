declare module 'vitest' {
  export interface ProvidedContext {
    nats: { servers: string; user: string; pass: string };
  }
}
export {};
