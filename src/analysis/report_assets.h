// The report page's script and style sheet, embedded at build time from report_page.js and
// report_page.css (src/analysis/report_embed.cmake generates their definitions).
#pragma once

#include <string_view>

namespace int8rt::report {

std::string_view page_script();
std::string_view page_style();

}  // namespace int8rt::report
