#!/usr/bin/env -S node --conditions=@gatehouse/source --import tsx
import { runCli } from './cli/program.ts';

await runCli(process.argv);
