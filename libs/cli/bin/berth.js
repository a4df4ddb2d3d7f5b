#!/usr/bin/env node
// The `berth` executable: exists before the build, so npm can link it at install time.
import '../dist/main.js';
