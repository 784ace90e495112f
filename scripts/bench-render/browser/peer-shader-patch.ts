/**
 * three-gpu-pathtracer 0.0.26 starts the shadow ray of next-event estimation from the surface point pushed
 * to the side of the BSDF sample it drew for the path's continuation. Where that sample points below the
 * surface (a rough specular lobe's reflection about a microfacet normal often does: at roughness 1 about
 * half of them), the shadow ray starts behind the surface and its own surface blocks it, so the light sample
 * of that vertex is lost although it was drawn independently of the BSDF sample. The loss is the
 * light-sampling share of direct light: small under a uniform environment, large under a map with a sun
 * (measured: a rough grey metal plane under the bench's sky 8 % dark, a roughness-1 metal sphere 35 %).
 * The patch starts the shadow ray on the side the path arrived from, where the peer already starts it
 * whenever the BSDF sample is above the surface; nothing else of the peer changes. Transmissive surfaces
 * keep the peer's own origin (its glass has its own handling of light samples, not examined here; no
 * bench:fidelity asset has transmission). Throws if the peer's shader no longer has the line (another
 * version: check whether it still needs this).
 */
export const PEER_SHADOW_RAY_LINE =
  'gl_FragColor.rgb += directLightContribution( - ray.direction, surf, state, hitPoint );';
export const PEER_SHADOW_RAY_FIX =
  'gl_FragColor.rgb += directLightContribution( - ray.direction, surf, state, surf.transmission > 0.0 ? ' +
  'hitPoint : stepRayOrigin( ray.origin, ray.direction, surf.faceNormal, surfaceHit.dist ) );';
export function patchedPeerShader(source: string): string {
  if (source.split(PEER_SHADOW_RAY_LINE).length !== 2) {
    throw new Error(
      'three-gpu-pathtracer: the next-event estimation line to patch is not in its shader (new version?)',
    );
  }
  return source.replace(PEER_SHADOW_RAY_LINE, PEER_SHADOW_RAY_FIX);
}
