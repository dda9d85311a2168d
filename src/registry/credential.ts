/** What a credential store answers for one registry (a leaf: the stores and the helper runner both use it). */
export interface Credential {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (Docker's `identitytoken`), exchanged at the token endpoint. */
  identityToken?: string;
}
