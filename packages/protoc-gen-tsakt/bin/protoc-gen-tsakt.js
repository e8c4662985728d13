#!/usr/bin/env node
// The protoc/buf plugin: reads a CodeGeneratorRequest on stdin and writes the CodeGeneratorResponse to stdout.
import { runNodeJs } from "@bufbuild/protoplugin";
import { protocGenTsakt } from "../dist/index.js";

runNodeJs(protocGenTsakt);
