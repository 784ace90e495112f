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
/**
 * The second fix: a single-sided surface. The peer's camera and path rays pass through a single-sided
 * surface's back face and stop on its front (get_surface_record: skip where side != material.side), but its
 * shadow rays do the opposite (attenuate_hit: pass where side == material.side), so a light sample crosses
 * a single-sided wall from the front, where a BSDF ray in the same direction stops on it: light leaks
 * through walls into light sampling only, and MIS mixes two different scenes. bench:fidelity's cutouts (a
 * single-sided wall and floor in a corner) came out 6 % bright on the peer once the first fix gave its
 * light samples their due. The fix gives shadow rays the rule of every other ray of the peer (and of ours).
 */
export const PEER_SIDEDNESS_LINE = 'material.side != 0.0 && surfaceHit.side == material.side';
export const PEER_SIDEDNESS_FIX = 'material.side != 0.0 && surfaceHit.side != material.side';

export function patchedPeerShader(source: string): string {
  for (const line of [PEER_SHADOW_RAY_LINE, PEER_SIDEDNESS_LINE]) {
    if (source.split(line).length !== 2) {
      throw new Error(`three-gpu-pathtracer: a line to patch is not in its shader (new version?): ${line}`);
    }
  }
  return source
    .replace(PEER_SHADOW_RAY_LINE, PEER_SHADOW_RAY_FIX)
    .replace(PEER_SIDEDNESS_LINE, PEER_SIDEDNESS_FIX);
}
