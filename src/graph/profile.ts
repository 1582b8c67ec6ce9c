/**
 * The `/v1.0/me` fields the profile page shows, checked at the boundary: Graph's answer is outside
 * input, so unexpected types are refused rather than rendered.
 */
import { z } from "zod";

const text = z.string().max(1024).nullish();

export const graphUserSchema = z.object({
  id: z.string().min(1).max(256),
  displayName: text,
  givenName: text,
  surname: text,
  mail: text,
  userPrincipalName: text,
  jobTitle: text,
  officeLocation: text,
  mobilePhone: text,
  preferredLanguage: text,
  businessPhones: z.array(z.string().max(256)).max(50).nullish(),
});

export interface GraphProfile {
  id: string;
  displayName: string | undefined;
  givenName: string | undefined;
  surname: string | undefined;
  mail: string | undefined;
  userPrincipalName: string | undefined;
  jobTitle: string | undefined;
  officeLocation: string | undefined;
  mobilePhone: string | undefined;
  preferredLanguage: string | undefined;
  businessPhones: string[];
}

export const PROFILE_SELECT = Object.keys(graphUserSchema.shape).join(",");

export function toGraphProfile(user: z.infer<typeof graphUserSchema>): GraphProfile {
  const orUndefined = (v: string | null | undefined) =>
    v === null || v === undefined || v === "" ? undefined : v;
  return {
    id: user.id,
    displayName: orUndefined(user.displayName),
    givenName: orUndefined(user.givenName),
    surname: orUndefined(user.surname),
    mail: orUndefined(user.mail),
    userPrincipalName: orUndefined(user.userPrincipalName),
    jobTitle: orUndefined(user.jobTitle),
    officeLocation: orUndefined(user.officeLocation),
    mobilePhone: orUndefined(user.mobilePhone),
    preferredLanguage: orUndefined(user.preferredLanguage),
    businessPhones: user.businessPhones ?? [],
  };
}
