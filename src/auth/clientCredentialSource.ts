/**
 * The app's client credential as MSAL takes it, kept current while the files behind it are replaced:
 * a secret (static, or read from CLIENT_SECRET_FILE), a certificate's assertion signer
 * (CLIENT_CERTIFICATE_PATH) or the platform's workload identity token (AZURE_FEDERATED_TOKEN_FILE).
 *
 * Cost: nothing when a client is built (`known()`); one `stat` per token call (`current()` for a
 * secret, the assertion callback for the others), and a read only when the file changed. A
 * certificate's signed assertion is reused until the file changes (a new signer, so the old
 * signature is dropped). A federated token is kept while its file is unchanged and never past its
 * `exp` minus FEDERATED_TOKEN_MARGIN_SECONDS; then the file is read again, and a token that is still
 * expired fails the call with an error for the operator (the person sees the usual page).
 */
import type { ClientAssertionCallback } from "@azure/msal-node";
import { readClientCertificate } from "../config/clientCertificate.js";
import { parseFederatedToken } from "../config/federatedToken.js";
import { parseSecretFile } from "../config/secretFile.js";
import type { ClientCertificate, ClientCredential } from "../config/settings.js";
import { IdentityProviderError } from "../errors.js";
import type { Logger } from "../logger.js";
import { createClientAssertionSigner } from "./clientAssertion.js";
import { createCredentialFile, CredentialFileError } from "./credentialFile.js";
import type { CredentialFile, ParseResult } from "./credentialFile.js";

/** A federated token this close to its `exp` is read again from its file (the platform rotates early). */
export const FEDERATED_TOKEN_MARGIN_SECONDS = 60;

export type MsalCredential = { clientSecret: string } | { clientAssertion: ClientAssertionCallback };

export interface ClientCredentialSource {
  /** The setting and file, for log lines and messages (never the secret). */
  readonly name: string;
  /** False for CLIENT_SECRET: nothing to read again after a refusal. */
  readonly rereadable: boolean;
  /** The credential as last read: what a client is built with, without I/O. */
  known(): MsalCredential;
  /** The credential for a token call about to be made (one stat for a secret file). */
  current(): Promise<MsalCredential>;
  /**
   * Reads the credential again whatever the file's stat says (the token endpoint refused it).
   * Undefined when there is nothing to read again (CLIENT_SECRET). Throws IdentityProviderError
   * (for the operator) when the file is now unusable.
   */
  reload(): Promise<MsalCredential | undefined>;
}

export function sameCredential(a: MsalCredential, b: MsalCredential): boolean {
  if ("clientSecret" in a) return "clientSecret" in b && a.clientSecret === b.clientSecret;
  return "clientAssertion" in b && a.clientAssertion === b.clientAssertion;
}

export interface CredentialSourceDeps {
  credential: ClientCredential;
  clientId: string;
  logger: Logger;
  now: () => number;
}

export function createClientCredentialSource(deps: CredentialSourceDeps): ClientCredentialSource {
  const { credential } = deps;
  if (credential.kind === "secret") {
    if (credential.file === undefined) {
      const fixed = { clientSecret: credential.secret };
      return {
        name: "CLIENT_SECRET",
        rereadable: false,
        known: () => fixed,
        current: () => Promise.resolve(fixed),
        reload: () => Promise.resolve(undefined),
      };
    }
    return secretFileSource(deps, credential.file, credential.secret);
  }
  if (credential.kind === "certificate") return certificateSource(deps, credential);
  return federatedSource(deps, credential.tokenFile);
}

/** Logs a file that changed into something unusable once per distinct problem, not per call. */
function watchFile<T>(
  deps: CredentialSourceDeps,
  setting: string,
  path: string,
  initial: T,
  parse: (content: string) => ParseResult<T>,
): CredentialFile<T> {
  let lastProblem: string | undefined;
  return createCredentialFile({
    setting,
    path,
    initial,
    parse,
    onUnusable: (problem) => {
      if (problem === lastProblem) return;
      lastProblem = problem;
      deps.logger.error(
        { credential: setting, problem },
        "the credential file changed into one that cannot be used: still using the last good one",
      );
    },
    onReplaced: () => {
      lastProblem = undefined;
      deps.logger.info({ credential: setting, path }, "the credential file was replaced: using the new one");
    },
  });
}

/** `why`: when it is read again, for the operator's message. */
async function reloadOrExplain<T>(
  file: CredentialFile<T>,
  why = "after the sign-in service refused it",
): Promise<T> {
  try {
    return await file.reload();
  } catch (error) {
    if (!(error instanceof CredentialFileError)) throw error;
    throw new IdentityProviderError(
      `The client credential could not be read again ${why}: ${error.message}.`,
      { cause: error },
    );
  }
}

function secretFileSource(deps: CredentialSourceDeps, path: string, initial: string): ClientCredentialSource {
  const file = watchFile(deps, "CLIENT_SECRET_FILE", path, initial, (content) => {
    const read = parseSecretFile(content);
    return read.ok ? { ok: true, value: read.secret } : read;
  });
  // One object per distinct secret: a client built with it is recognised as current.
  let known = { clientSecret: initial };
  const remember = (secret: string) => {
    if (secret !== known.clientSecret) known = { clientSecret: secret };
    return known;
  };
  return {
    name: `CLIENT_SECRET_FILE (${path})`,
    rereadable: true,
    known: () => known,
    current: async () => remember(await file.current()),
    reload: async () => remember(await reloadOrExplain(file)),
  };
}

function certificateSource(
  deps: CredentialSourceDeps,
  credential: Extract<ClientCredential, { kind: "certificate" }>,
): ClientCredentialSource {
  const { certificate, password } = credential;
  interface Signing {
    certificate: ClientCertificate;
    sign: ClientAssertionCallback;
  }
  const signing = (c: ClientCertificate): Signing => ({
    certificate: c,
    // A new signer per certificate: the assertion signed with the old key is dropped with it.
    sign: createClientAssertionSigner(c, deps.clientId, () => Math.floor(deps.now() / 1000)),
  });
  const file = watchFile(deps, "CLIENT_CERTIFICATE_PATH", certificate.path, signing(certificate), (pem) => {
    const read = readClientCertificate({
      path: certificate.path,
      password,
      sendX5c: certificate.sendX5c,
      readFile: () => pem,
      now: new Date(deps.now()),
    });
    if (!read.ok) return { ok: false, problem: read.problem.replace(/^CLIENT_CERTIFICATE_PATH: /, "") };
    deps.logger.info(
      {
        certificateThumbprintSha256: read.certificate.thumbprintSha256,
        certificateSubject: read.certificate.subject,
      },
      "client certificate read",
    );
    return { ok: true, value: signing(read.certificate) };
  });
  const sign: ClientAssertionCallback = async (config) => (await file.current()).sign(config);
  return assertionSource(`CLIENT_CERTIFICATE_PATH (${certificate.path})`, file, sign);
}

/**
 * A credential MSAL takes as an assertion callback: the callback reads the file when called, so the
 * client's credential never changes; a refusal only makes the file be read again.
 */
function assertionSource<T>(
  name: string,
  file: CredentialFile<T>,
  callback: ClientAssertionCallback,
): ClientCredentialSource {
  const assertion = { clientAssertion: callback };
  return {
    name,
    rereadable: true,
    known: () => assertion,
    current: () => Promise.resolve(assertion),
    reload: async () => {
      await reloadOrExplain(file);
      return assertion;
    },
  };
}

interface FederatedToken {
  token: string;
  expiresAtMs: number;
}

function federatedSource(deps: CredentialSourceDeps, path: string): ClientCredentialSource {
  const parse = (content: string): ParseResult<FederatedToken> => {
    const read = parseFederatedToken(content);
    return read.ok ? { ok: true, value: { token: read.token, expiresAtMs: read.claims.expiresAtMs } } : read;
  };
  // Nothing held from start-up: the first call reads the file (the token may have rotated since).
  const file = watchFile<FederatedToken>(
    deps,
    "AZURE_FEDERATED_TOKEN_FILE",
    path,
    { token: "", expiresAtMs: 0 },
    parse,
  );
  const marginMs = FEDERATED_TOKEN_MARGIN_SECONDS * 1000;
  const callback: ClientAssertionCallback = async () => {
    let held = await file.current();
    if (held.expiresAtMs - marginMs <= deps.now()) {
      held = await reloadOrExplain(file, "as the token it held was about to expire");
    }
    // Within the margin but not expired: still accepted by Entra, so sent (and read again next time).
    if (held.expiresAtMs <= deps.now()) {
      throw new IdentityProviderError(
        `AZURE_FEDERATED_TOKEN_FILE (${path}) holds a token that expired at ${new Date(held.expiresAtMs).toISOString()}, also when read again: the platform has stopped replacing it (check the workload identity webhook / service-account token projection of this pod).`,
      );
    }
    return held.token;
  };
  return assertionSource(`AZURE_FEDERATED_TOKEN_FILE (${path})`, file, callback);
}
