// Pod Security Standards "restricted" settings, for every pod and every container.
import { PodSecurityContext, SecurityContext } from "./types";

/** The non-root uid/gid the MCP Mesh images run as. */
export const MESH_UID = 999;

export function restrictedPodSecurity(uid: number = MESH_UID): PodSecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: uid,
        runAsGroup: uid,
        fsGroup: uid,
        fsGroupChangePolicy: "OnRootMismatch",
        seccompProfile: { type: "RuntimeDefault" },
    };
}

export function restrictedContainerSecurity(): SecurityContext {
    return {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}
