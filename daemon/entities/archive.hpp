#pragma once
/// Lists published as zip archives (OFAC's SDN_XML.ZIP and the like): the list file taken out
/// of the archive's bytes. Bytes in, bytes out; no I/O.

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace sanctwatch::entities {

/// Whether `bytes` start like a zip archive (a local file header, "PK\3\4").
bool is_zip(std::string_view bytes);

/// The list file inside a zip archive: of the files in it, the one whose name ends as the
/// format's files do (".xml" for the XML formats, ".csv" for the CSV ones, ".json" for
/// FollowTheMoney, ".yaml"/".yml"), the largest when there are several, or the only file. An
/// archive that cannot be read, holds no such file, or would unpack to more than `max_bytes`
/// (a zip bomb) is an error that says so.
result<std::string> unzip_list(std::string_view zip, std::string_view format,
                               std::size_t max_bytes = std::size_t{1} << 30);

}  // namespace sanctwatch::entities
