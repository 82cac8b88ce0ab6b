// lanceflow_filter_sql: reads filters in the lanceflow filter language, one per line, from stdin
// and prints, for each, one line: "OK <sql>" with the SQL that lanceflow sends to LanceDB, or
// "ERR <message>" when the filter does not parse. Used by tests/fixtures/make_filter_golden.py to
// query the official engine with exactly lanceflow's rendering.
#include <iostream>
#include <string>

#include "lanceflow/expr/filter.h"

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    auto parsed = lanceflow::expr::ParseFilter(line);
    if (parsed.ok()) {
      std::cout << "OK " << lanceflow::expr::ToSql(**parsed) << "\n";
    } else {
      std::cout << "ERR " << parsed.status().message() << "\n";
    }
  }
  return 0;
}
