// Decoding of query answers and rendering of filters for the server. Internal to cloud/.
#pragma once

#include <string>
#include <vector>

#include "lanceflow/arrow/array.h"
#include "lanceflow/io/http.h"

namespace lanceflow::cloud {

// Decodes one query answer: an Arrow IPC file (application/vnd.apache.arrow.file, or no
// content type) or stream (application/vnd.apache.arrow.stream), chosen strictly by the content
// type as the official client does. Every batch must match `expected` (names and types).
Status DecodeQueryPage(io::HttpBodyStream& body, const arrow::Schema& expected,
                       std::vector<arrow::RecordBatchPtr>* out);

// Parses `filter` in lanceflow's filter language, checks its columns against `schema`, and
// renders it as SQL for the server.
Result<std::string> RenderFilter(const std::string& filter, const arrow::Schema& schema);

}  // namespace lanceflow::cloud
