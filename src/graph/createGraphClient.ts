/**
 * Calls Microsoft Graph with axios on the process's keep-alive agent, with a deadline and a cap on
 * the answer's size. Every failure becomes a GraphError with words for the user; the details go to
 * the log through the error's cause.
 */
import type { Agent } from "node:https";
import axios from "axios";
import type { GraphSettings } from "../config/settings.js";
import { GraphError } from "../errors.js";
import { graphUserSchema, PROFILE_SELECT, toGraphProfile } from "./profile.js";
import type { GraphProfile } from "./profile.js";

export interface GraphClient {
  getMe(accessToken: string, correlationId: string): Promise<GraphProfile>;
}

const MAX_GRAPH_RESPONSE_BYTES = 256 * 1024;

export function createGraphClient(settings: GraphSettings, httpsAgent: Agent): GraphClient {
  const http = axios.create({
    baseURL: settings.endpoint,
    httpsAgent,
    timeout: settings.timeoutMs,
    maxContentLength: MAX_GRAPH_RESPONSE_BYTES,
    maxRedirects: 0,
    validateStatus: () => true,
  });

  return {
    async getMe(accessToken, correlationId) {
      let response;
      try {
        response = await http.get<unknown>("v1.0/me", {
          params: { $select: PROFILE_SELECT },
          headers: { Authorization: `Bearer ${accessToken}`, "client-request-id": correlationId },
        });
      } catch (cause) {
        const timedOut =
          axios.isAxiosError(cause) && (cause.code === "ECONNABORTED" || cause.code === "ETIMEDOUT");
        throw timedOut
          ? new GraphError(504, "Microsoft Graph did not answer in time. Please try again in a moment.", {
              cause,
            })
          : new GraphError(502, "Microsoft Graph could not be reached. Please try again in a moment.", {
              cause,
            });
      }
      if (response.status !== 200) throw errorForStatus(response.status);
      const parsed = graphUserSchema.safeParse(response.data);
      if (!parsed.success) {
        throw new GraphError(502, "Microsoft Graph sent a profile this app could not read.", {
          graphStatus: 200,
          cause: parsed.error,
        });
      }
      return toGraphProfile(parsed.data);
    },
  };
}

function errorForStatus(status: number): GraphError {
  const options = { graphStatus: status };
  if (status === 401) {
    return new GraphError(
      502,
      "Microsoft Graph did not accept this app's sign-in. Please sign out and in again.",
      options,
    );
  }
  if (status === 403) {
    return new GraphError(
      403,
      "You do not have permission to read this profile. Ask an administrator.",
      options,
    );
  }
  if (status === 429 || status === 503) {
    return new GraphError(503, "Microsoft Graph is busy right now. Please try again in a minute.", options);
  }
  return new GraphError(502, "Microsoft Graph had a problem answering. Please try again later.", options);
}
