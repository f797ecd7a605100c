// Durable whole-file replacement for the small files beside the data: a model, a log
// segment's index, the serving start.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace panorama {

// Replaces the file at `path` with `data`: written to a temporary file in the same directory
// (`path` + ".tmp.<pid>.<n>", unique per process and call, so concurrent writers never share
// one), fsync'ed, renamed over `path`, and the directory fsync'ed. Readers see the old content
// or the new, never a part; on OK the new content survives a crash of the machine. On an
// error the old content stays and the temporary file is removed (a crash may leave one behind:
// a name that starts with `path` + ".tmp.").
Status WriteFileAtomically(const std::string& path, std::string_view data);

// For a file name in a directory: the name of the file a WriteFileAtomically temporary was
// for ("0007.idx" for "0007.idx.tmp.4242.0"), or empty when `name` is not such a temporary.
// Lets the owner of a directory clear what an interrupted write left.
std::string_view AtomicWriteTarget(std::string_view name);

}  // namespace panorama
