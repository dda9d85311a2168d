/** URLs of an analysis' resources, the same in every response that mentions them. */
export function analysisLinks(id: string, digest: string) {
  return {
    self: `/v1/analyses/${id}`,
    sbom: `/v1/sboms/${digest}`,
    layers: `/v1/layers/${digest}`,
  };
}
