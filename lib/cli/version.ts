export const VERSION = { tsrc: '0.1.0', spec: '1.3.0' } as const;
