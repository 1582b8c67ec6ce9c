/**
 * The largest serialized token cache the app keeps. A cache of one account measures about 7 KB;
 * anything far larger is not ours. The cache plugin refuses a larger cache, and the cipher refuses an
 * envelope that could only hold one before it decodes anything.
 */
export const MAX_SERIALIZED_CACHE_BYTES = 256 * 1024;
