/**
 * Builds a fresh ConfidentialClientApplication for each request from one immutable configuration
 * (and one credential: a secret, or a certificate's assertion signer shared by the process).
 * Only the cache plugin differs between clients; it binds the client to one request's session, so
 * no user's tokens ever sit in a process-wide cache.
 */
import { ConfidentialClientApplication, LogLevel } from "@azure/msal-node";
import type { Configuration } from "@azure/msal-node";
import type { AuthSettings } from "../config/settings.js";
import type { Logger } from "../logger.js";
import type { NetworkModule } from "./createNetworkClient.js";
import type { AuthorityMetadata } from "./discoverAuthority.js";
import { createClientAssertionSigner } from "./clientAssertion.js";
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
}): MsalClientFactory {
  const { auth, metadata, network, logger } = deps;
  const knownAuthorities = Object.freeze(knownAuthoritiesFor(auth.authority));
  const credential =
    auth.credential.kind === "secret"
      ? { clientSecret: auth.credential.secret }
      : { clientAssertion: createClientAssertionSigner(auth.credential.certificate, auth.clientId) };
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

  return {
    clientId: auth.clientId,
    // MSAL copies what it is given, but every call still builds new objects so that no client can
    // write into another's configuration.
    create: (cachePlugin) =>
      new ConfidentialClientApplication({
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
      }),
  };
}
