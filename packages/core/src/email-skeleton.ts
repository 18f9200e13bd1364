import unhomoglyph from 'unhomoglyph';

/**
 * The look-alike key of a canonical email (see `canonicalEmail`): two addresses with the same
 * skeleton look the same to a person (`аlice` with a Cyrillic а, fullwidth `ａlice`, `a1ice`), so
 * only one of them may be an account. Stores keep it unique next to the email.
 *
 * It is the Unicode TR39 skeleton — NFD, each character replaced by its prototype from
 * confusables.txt (the `unhomoglyph` table), NFD again — with three additions made before it:
 * - NFKD instead of NFD first, so compatibility forms the table leaves out (fullwidth `ｍ`, `＠`,
 *   circled `ⓐ`) become their plain letters;
 * - default-ignorable characters (zero-width space and joiners, soft hyphen) are dropped, as
 *   TR39 does since Unicode 15.1: they are invisible;
 * - the ideographic full stop `。` counts as `.`, as IDNA reads it in a domain.
 * The whole address is one string: local part, `@` and domain alike, so a look-alike `＠` counts.
 *
 * The result is a comparison key, not text to show: `m` becomes `rn`, `0` becomes `O`. Once stored
 * it must not change meaning, so the package is pinned to an exact version.
 */
export function emailSkeleton(canonical: string): string {
  const decomposed = canonical.normalize('NFKD').replace(DEFAULT_IGNORABLE, '').replaceAll('\u3002', '.');
  return unhomoglyph(decomposed).normalize('NFD');
}

const DEFAULT_IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;
