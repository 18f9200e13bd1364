// `node --import <this file>`: logs what a process imports (see hooks.mjs), for tests that check
// what a command does not load.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
