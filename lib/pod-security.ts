/**
 * Security contexts that satisfy the Pod Security Standards `restricted` profile
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/).
 *
 * Written with the L1 types on purpose: cdk8s-plus-27 sets runAsNonRoot and friends, but
 * has no seccompProfile option (plus-28 adds one) and its capabilities cannot drop `ALL`
 * (its Capability values carry a `CAP_` prefix), both required by `restricted`.
 */
import * as k8s from './k8s';

/** The identity a pod runs as. */
export interface PodUser {
  /** Non-zero user id. */
  readonly uid: number;
  /** Non-zero group id. */
  readonly gid: number;
  /**
   * Group that owns mounted volumes; set it when the pod writes to a persistent volume.
   * @default - no fsGroup
   */
  readonly fsGroup?: number | undefined;
}

/** Pod-level context: non-root identity, RuntimeDefault seccomp, optional fsGroup. */
export function restrictedPodSecurityContext(user: PodUser): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: user.uid,
    runAsGroup: user.gid,
    ...(user.fsGroup !== undefined ? { fsGroup: user.fsGroup, fsGroupChangePolicy: 'OnRootMismatch' } : {}),
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container-level context: no privilege escalation, no capabilities, read-only root filesystem. */
export function restrictedContainerSecurityContext(user: PodUser): k8s.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: user.uid,
    runAsGroup: user.gid,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
