#!/usr/bin/env -S node --import tsx
import { runCli } from './cli/program.ts';

await runCli(process.argv);
