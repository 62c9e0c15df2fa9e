#include "catalog/sql_text.hpp"

#include <cctype>

namespace tidecast::catalog {

std::string to_dollar_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int highest = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {
      // Copy the quoted run; a doubled quote inside it is an escaped quote.
      const std::size_t close = sql.find(c, i + 1);
      const std::size_t end = close == std::string_view::npos ? sql.size() : close + 1;
      out.append(sql.substr(i, end - i));
      i = end - 1;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      const std::size_t newline = sql.find('\n', i);
      const std::size_t end = newline == std::string_view::npos ? sql.size() : newline;
      out.append(sql.substr(i, end - i));
      i = end - 1;
    } else if (c == '?') {
      std::size_t j = i + 1;
      int number = 0;
      while (j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j])))
        number = number * 10 + (sql[j++] - '0');
      if (j == i + 1) number = highest + 1;
      if (number > highest) highest = number;
      out += '$';
      out += std::to_string(number);
      i = j - 1;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace tidecast::catalog
