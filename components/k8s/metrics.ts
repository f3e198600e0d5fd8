// Which images serve Prometheus metrics. Registry 3.6 and 3.7 and the Python runtime 3.6 and
// 3.7 answer `GET /metrics` with 404 (verified by running them): scraping them only makes
// Prometheus report the targets down, so the config refuses scrape settings for them.

/** The last release line known to serve no `/metrics` (registry and agent runtimes alike). */
export const LAST_VERSION_WITHOUT_METRICS = { major: 3, minor: 7 };

/** `major.minor` of an image's tag (`name:3.7`, `name:v3.7.1`, `name:3.7@sha256:...`), or undefined. */
export function imageMinorVersion(image: string): { major: number; minor: number } | undefined {
    const reference = image.split("@")[0];
    const lastSegment = reference.split("/").pop() ?? "";
    const tag = lastSegment.includes(":") ? lastSegment.split(":").pop() : undefined;
    const match = tag ? /^v?(\d+)\.(\d+)(?:[.\-+].*)?$/.exec(tag) : null;
    return match ? { major: Number(match[1]), minor: Number(match[2]) } : undefined;
}

/**
 * Why an image cannot be scraped, or undefined when it may serve `/metrics` (a release newer
 * than LAST_VERSION_WITHOUT_METRICS: check that yours does before turning scraping on).
 */
export function noMetricsReason(image: string): string | undefined {
    const version = imageMinorVersion(image);
    if (!version) {
        return `cannot tell whether ${image} serves /metrics (no version tag); pin it as name:<version>@sha256:<digest>, or turn this off`;
    }
    const last = LAST_VERSION_WITHOUT_METRICS;
    if (version.major < last.major || (version.major === last.major && version.minor <= last.minor)) {
        return (
            `${image} serves no /metrics (MCP Mesh ${last.major}.${last.minor} and earlier answer 404; ` +
            "Prometheus would only report the target down); turn this off"
        );
    }
    return undefined;
}
