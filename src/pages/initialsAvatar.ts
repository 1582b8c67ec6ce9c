/**
 * The stand-in picture for a user without a Graph photo: their initials in an SVG. The name is outside
 * input, so only letters survive, and the SVG has no script or external reference.
 */
export function initialsAvatarSvg(name: string): string {
  const initials =
    name
      .split(/\s+/)
      .map((word) => /\p{L}/u.exec(word)?.[0] ?? "")
      .filter((letter) => letter.length > 0)
      .slice(0, 2)
      .join("")
      .toUpperCase() || "?";
  return [
    '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96" role="img">',
    '<rect width="96" height="96" rx="48" fill="#0b5cad"/>',
    '<text x="48" y="60" font-family="system-ui, sans-serif" font-size="36" font-weight="600" ',
    `fill="#ffffff" text-anchor="middle">${initials}</text></svg>`,
  ].join("");
}
