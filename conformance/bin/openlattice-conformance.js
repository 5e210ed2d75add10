#!/usr/bin/env node
// A committed stub, so that installing the package links the bin even before dist/ exists.
import "../dist/cli.js";
