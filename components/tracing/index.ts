// Tracing: what a Pulumi program imports to run the tracing Redis on its own.
export { Tracing, TracingArgs, TracingClient } from "./tracing";
