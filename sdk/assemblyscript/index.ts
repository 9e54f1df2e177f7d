// Package entry: AssemblyScript resolves `import ... from "@wasmta/sdk"`
// to node_modules/@wasmta/sdk/index.ts.
export * from "./assembly/index";
