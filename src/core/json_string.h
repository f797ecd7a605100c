// A JSON string literal written by hand into a reused string: the HTTP API's answers and the
// generator's JSON Lines both render many short strings, where a JSON DOM would allocate.
#pragma once

#include <string>
#include <string_view>

namespace panorama {

// Appends `text` as a JSON string literal (RFC 8259): quotes, backslashes and control
// characters escaped, and every byte that does not begin a valid UTF-8 sequence replaced by
// U+FFFD, so the result is valid JSON whatever the input (messages may quote raw input).
void AppendJsonString(std::string_view text, std::string* out);

}  // namespace panorama
