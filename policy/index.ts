// `pulumi preview --policy-pack policy`: enforces at preview what the tests assert.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("mcp-mesh", { policies });
