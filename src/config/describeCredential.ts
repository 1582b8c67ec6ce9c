/**
 * What the start-up log line says about the client credential: its kind, the file it is read from,
 * and what identifies it in the app registration (a certificate's thumbprint, subject and expiry; a
 * federated token's issuer, subject and audience). Never the secret, the key or the token.
 */
import type { ClientCredential } from "./settings.js";

/** Certificates this close to expiry get a warning at every start. */
export const CERTIFICATE_EXPIRY_WARNING_DAYS = 30;

export interface CredentialDescription {
  fields: Record<string, string | boolean>;
  /** Set when the certificate expires within CERTIFICATE_EXPIRY_WARNING_DAYS. */
  warning?: string;
}

export function describeCredential(credential: ClientCredential, now = Date.now()): CredentialDescription {
  if (credential.kind === "secret") {
    return {
      fields: {
        credential: "client secret",
        ...(credential.file === undefined ? {} : { credentialFile: credential.file }),
      },
    };
  }
  if (credential.kind === "federated") {
    // What the registration's federated credential must name; the token itself is never logged.
    const { token } = credential;
    return {
      fields: {
        credential: "workload identity federation",
        credentialFile: credential.tokenFile,
        federatedIssuer: token.issuer ?? "(none)",
        federatedSubject: token.subject ?? "(none)",
        federatedAudience: token.audience ?? "(none)",
      },
    };
  }
  const { certificate } = credential;
  const notAfter = new Date(certificate.notAfterMs).toISOString();
  const daysLeft = Math.floor((certificate.notAfterMs - now) / 86_400_000);
  return {
    fields: {
      credential: "certificate",
      certificateThumbprintSha256: certificate.thumbprintSha256,
      certificateSubject: certificate.subject,
      certificateNotAfter: notAfter,
      certificateSendsX5c: certificate.sendX5c,
    },
    ...(daysLeft < CERTIFICATE_EXPIRY_WARNING_DAYS
      ? {
          warning: `the client certificate expires in ${daysLeft} days (${notAfter}): upload its successor to the app registration and set CLIENT_CERTIFICATE_PATH to it`,
        }
      : {}),
  };
}
