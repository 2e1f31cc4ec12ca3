#pragma once
/// Near-duplicate text: a MinHash signature over the word 3-shingles of an item's text, so
/// that copies of one wire story (a new headline, a dateline or a credit line added, a
/// sentence cut) are recognised while different stories about the same topic are not.
///
/// Why MinHash and not SimHash: the share of equal signature values estimates the Jaccard
/// similarity of the shingle sets with a known error (about 0.06 here), and banding finds
/// candidates with a predictable recall. A 64-bit SimHash of a news-length text (100-300
/// words) proved too noisy in a trial on the texts of tests/story/wire_texts.hpp: edited
/// copies lay 4-15 bits apart, same-topic stories 21-36, too close for one threshold, where
/// MinHash gives 0.68-0.82 against 0.0.
///
/// Pure functions, no state, thread-safe. Values are stable across runs, builds and
/// machines (they are stored in the state database).

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/item.hpp"

namespace sanctwatch::story {

/// Number of MinHash values in a signature.
inline constexpr std::size_t signature_size = 60;
/// Locality-sensitive hashing: the signature cut into `bands` bands of `rows` values; two
/// stories are candidates when any band is equal. With 20 x 3, a pair at similarity 0.6 is
/// a candidate with probability 0.99, one at 0.5 with 0.93, one at 0.05 with 0.003.
inline constexpr std::size_t bands = 20;
inline constexpr std::size_t rows = 3;
static_assert(bands * rows == signature_size);
/// Signatures at or above this estimated Jaccard similarity are the same story. Edited
/// copies of one wire text score 0.65-0.9; same-topic stories by different writers 0.0-0.1.
inline constexpr double same_story_similarity = 0.5;
/// Texts with fewer shingles than this get no signature (headlines alone are too short to
/// tell a copy from a different story with the same words); they group by link only.
inline constexpr std::size_t min_shingles = 8;

/// Empty, or exactly signature_size values.
using signature = std::vector<std::uint32_t>;

/// The text a story is recognised by: the title and the longer of summary and content
/// (feeds differ in which they fill; a summary is mostly the lead of the content).
std::string story_text(const item& it);

/// The MinHash signature of `utf8` text (normalized and cut into words as rules see it),
/// or an empty signature when the text has fewer than min_shingles word 3-shingles.
signature fingerprint(std::string_view utf8);

/// The estimated Jaccard similarity of two signatures, 0 when either is empty.
double similarity(const signature& a, const signature& b);

/// One key per band (bands of them; none for an empty signature), band number included, so
/// a single indexed column holds every band.
std::vector<std::int64_t> band_keys(const signature& s);

/// Storage form: 4 bytes per value, little-endian. from_bytes gives an empty signature for
/// bytes of the wrong length.
std::string to_bytes(const signature& s);
signature from_bytes(std::string_view bytes);

}  // namespace sanctwatch::story
