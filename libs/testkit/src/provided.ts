declare module 'vitest' {
  export interface ProvidedContext {
    natsUrl: string;
  }
}
export {};
