/**
 * Builds a fresh ConfidentialClientApplication for each request from one immutable configuration
 * and the app's credential as it currently is (clientCredentialSource.ts: a secret, a certificate's
 * assertion signer or a workload identity token, each re-read when its file changes). Only the cache
 * plugin differs between clients; it binds the client to one request's session, so no user's tokens
 * ever sit in a process-wide cache.
 *
 * The token calls the app makes (acquireTokenByCode, acquireTokenSilent) first take the current
 * credential (a secret file that changed gets a client built with the new secret); and when the
 * token endpoint answers `invalid_client` (e.g. AADSTS7000215, 7000222, 700027: a rotation that
 * reached the registration before this process noticed the file), the credential is read again and
 * the call made once more, once. A second refusal is an error for the operator. Decided on the
 * OAuth `error` field only; the AADSTS number is logged, never interpreted.
 */
import { ConfidentialClientApplication, LogLevel } from "@azure/msal-node";
import type {
  AuthenticationResult,
  AuthorizationCodePayload,
  AuthorizationCodeRequest,
  Configuration,
  SilentFlowRequest,
} from "@azure/msal-node";
import type { AuthSettings } from "../config/settings.js";
import type { Logger } from "../logger.js";
import type { NetworkModule } from "./createNetworkClient.js";
import type { AuthorityMetadata } from "./discoverAuthority.js";
import { IdentityProviderError } from "../errors.js";
import { createClientCredentialSource, sameCredential } from "./clientCredentialSource.js";
import type { MsalCredential } from "./clientCredentialSource.js";
import { knownAuthoritiesFor } from "./knownAuthorities.js";

const MSAL_LEVELS = {
  error: LogLevel.Error,
  warning: LogLevel.Warning,
  info: LogLevel.Info,
  verbose: LogLevel.Verbose,
} as const;

/**
 * How long before its expiry MSAL stops using an access token: msal-common's default, which msal-node
 * offers no option to change (test/auth/cachedAccessToken.test.ts shows MSAL keeps to it).
 */
export const TOKEN_RENEWAL_OFFSET_SECONDS = 300;

export type CachePlugin = NonNullable<NonNullable<Configuration["cache"]>["cachePlugin"]>;

export interface MsalClientFactory {
  /** The app's client id, which every client it makes is. */
  readonly clientId: string;
  create(cachePlugin?: CachePlugin): ConfidentialClientApplication;
}

export function createMsalClientFactory(deps: {
  auth: Pick<AuthSettings, "authority" | "clientId" | "credential" | "msalLogLevel">;
  metadata: Pick<AuthorityMetadata, "json">;
  network: NetworkModule;
  logger: Logger;
  /** The app's clock (a federated token's expiry, the certificate assertion's lifetime). */
  now?: () => number;
}): MsalClientFactory {
  const { auth, metadata, network, logger } = deps;
  const knownAuthorities = Object.freeze(knownAuthoritiesFor(auth.authority));
  const source = createClientCredentialSource({
    credential: auth.credential,
    clientId: auth.clientId,
    logger,
    now: deps.now ?? Date.now,
  });
  const loggerOptions = Object.freeze({
    piiLoggingEnabled: false,
    logLevel: MSAL_LEVELS[auth.msalLogLevel],
    loggerCallback: (level: LogLevel, message: string) => {
      if (level === LogLevel.Error) logger.error({ msal: message }, "msal");
      else if (level === LogLevel.Warning) logger.warn({ msal: message }, "msal");
      else if (level === LogLevel.Info) logger.info({ msal: message }, "msal");
      else logger.debug({ msal: message }, "msal");
    },
  });

  // MSAL copies what it is given, but every call still builds new objects so that no client can
  // write into another's configuration.
  const configuration = (credential: MsalCredential, cachePlugin?: CachePlugin): Configuration => ({
    auth: {
      clientId: auth.clientId,
      ...credential,
      authority: auth.authority,
      knownAuthorities: [...knownAuthorities],
      authorityMetadata: metadata.json,
      // CP1: the app handles claims challenges, so Entra may issue long-lived, revocable (CAE) tokens.
      clientCapabilities: ["CP1"],
    },
    cache: cachePlugin ? { cachePlugin } : {},
    system: { networkClient: network, loggerOptions: { ...loggerOptions } },
  });

  /** Runs one token call with the current credential, and once more after `invalid_client`. */
  function tokenCallRunner(builtWith: MsalCredential, cachePlugin: CachePlugin | undefined): TokenCallRunner {
    const fresh = (credential: MsalCredential) =>
      new ConfidentialClientApplication(configuration(credential, cachePlugin));
    return async (call, correlationId) => {
      const now = await source.current();
      try {
        return await call(sameCredential(now, builtWith) ? undefined : fresh(now));
      } catch (error) {
        const refused = invalidClient(error);
        if (!refused) throw error;
        logger.warn(
          { correlationId, error: refused.error, code: refused.code, credential: source.name },
          source.rereadable
            ? "the token endpoint refused the client credential: reading it again and retrying once"
            : "the token endpoint refused the client credential (CLIENT_SECRET: nothing to read again)",
        );
        const reloaded = await source.reload();
        if (!reloaded) throw error;
        try {
          return await call(fresh(reloaded));
        } catch (again) {
          const stillRefused = invalidClient(again);
          if (!stillRefused) throw again;
          throw new IdentityProviderError(
            `The sign-in service refused this application's credentials (${stillRefused.error}) twice, ${stillRefused.code} the second time: as held, and as read again from ${source.name}. An administrator must check the app registration's certificates, secrets and federated credentials against it.`,
            { cause: again },
          );
        }
      }
    };
  }

  return {
    clientId: auth.clientId,
    create: (cachePlugin) => {
      const builtWith = source.known();
      return new CredentialAwareClient(
        configuration(builtWith, cachePlugin),
        tokenCallRunner(builtWith, cachePlugin),
      );
    },
  };
}

/** `client`: a client built with a newer credential, or undefined for the client itself. */
type TokenCallRunner = <T>(
  call: (client: ConfidentialClientApplication | undefined) => Promise<T>,
  correlationId: string | undefined,
) => Promise<T>;

/**
 * A ConfidentialClientApplication whose token calls go through the runner (the current credential,
 * the one retry). Every other method is MSAL's own.
 */
class CredentialAwareClient extends ConfidentialClientApplication {
  readonly #run: TokenCallRunner;

  constructor(configuration: Configuration, run: TokenCallRunner) {
    super(configuration);
    this.#run = run;
  }

  override acquireTokenByCode(
    request: AuthorizationCodeRequest,
    payload?: AuthorizationCodePayload,
  ): Promise<AuthenticationResult> {
    return this.#run(
      (client) =>
        client ? client.acquireTokenByCode(request, payload) : super.acquireTokenByCode(request, payload),
      request.correlationId,
    );
  }

  override acquireTokenSilent(request: SilentFlowRequest): Promise<AuthenticationResult> {
    return this.#run(
      (client) => (client ? client.acquireTokenSilent(request) : super.acquireTokenSilent(request)),
      request.correlationId,
    );
  }
}

/** The OAuth error and the AADSTS number when the token endpoint refused the client's credential. */
function invalidClient(error: unknown): { error: string; code: string } | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { errorCode, errorNo } = error as { errorCode?: unknown; errorNo?: unknown };
  if (errorCode !== "invalid_client") return undefined;
  const number = typeof errorNo === "string" || typeof errorNo === "number" ? String(errorNo) : "";
  return { error: errorCode, code: /^\d+$/.test(number) ? `AADSTS${number}` : "no AADSTS code" };
}
