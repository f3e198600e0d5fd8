// The stack config's `dashboard` section: MCP Mesh's own dashboard (`meshui`, image mcpmesh/ui),
// which serves the web UI and proxies the registry's API; opened by port-forward, or through an
// Ingress when `host` is set.
import { z } from "zod";
import { dnsLabel, dnsSubdomain, imagePullPolicy, pinnedImage, port, withDefaultResources } from "./k8s-schemas";

/** The release line of the registry and of the meshui the contract tests run (npm @mcpmesh/cli-linux-x64 3.7.1). */
export const DASHBOARD_IMAGE = "mcpmesh/ui:3.7";

/** A URL path prefix, as meshui accepts it (letters, digits, `/`, `_`, `-`); empty: served at the root. */
const basePath = z.string().regex(/^(\/[A-Za-z0-9_-]+)*$/, {
    error: "must be empty (the root) or a path such as /ops/dashboard (letters, digits, '_', '-'; no trailing '/')",
});

export const dashboardSchema = z
    .strictObject({
        enabled: z.boolean().default(false),
        replicas: z.number().int().min(1).max(10).default(1),
        image: pinnedImage.default(DASHBOARD_IMAGE),
        imagePullPolicy: imagePullPolicy.default("IfNotPresent"),
        /** The port meshui listens on (MCP_MESH_UI_PORT) and its Service serves. */
        port: port.default(3080),
        /** MCP_MESH_UI_BASE_PATH: the path the dashboard is served under (the image's own default is /ops/dashboard). */
        basePath: basePath.default(""),
        logLevel: z.enum(["TRACE", "DEBUG", "INFO", "WARNING", "ERROR"]).default("INFO"),
        resources: withDefaultResources({
            requests: { cpu: "50m", memory: "64Mi", "ephemeral-storage": "32Mi" },
            limits: { cpu: "200m", memory: "256Mi", "ephemeral-storage": "128Mi" },
        }),
        /** A host name: an Ingress routes it (and `basePath`) to the dashboard. None: no Ingress (port-forward). */
        host: dnsSubdomain.optional(),
        ingress: z
            .strictObject({
                /** spec.ingressClassName; none: the cluster's default class. */
                className: dnsSubdomain.optional(),
                /** A kubernetes.io/tls Secret (yours, in the namespace) for `host`: the Ingress serves HTTPS with it. */
                tlsSecretName: dnsSubdomain.optional(),
                /** The namespace of the ingress controller's pods: the only pods let in to the dashboard. */
                controllerNamespace: dnsLabel.default("ingress-nginx"),
                annotations: z.record(z.string(), z.string()).default({}),
            })
            .prefault({}),
    })
    .superRefine((dashboard, ctx) => {
        if (!dashboard.enabled && dashboard.host) {
            ctx.addIssue({
                code: "custom",
                path: ["host"],
                input: dashboard.host,
                message: "unused while dashboard.enabled=false; enable the dashboard or remove it",
            });
        }
        const ingressSet = dashboard.ingress.className !== undefined || dashboard.ingress.tlsSecretName !== undefined;
        if (!dashboard.host && ingressSet) {
            ctx.addIssue({
                code: "custom",
                path: ["ingress"],
                input: dashboard.ingress,
                message: "is used only with dashboard.host (no host, no Ingress); set dashboard.host or remove it",
            });
        }
    });

export type DashboardConfig = z.output<typeof dashboardSchema>;
