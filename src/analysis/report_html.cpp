// The report page: the data as JSON in a non-executed <script> element, drawn by the embedded
// script (report_page.js) with the embedded style sheet (report_page.css). Nothing is loaded from
// elsewhere; the Content-Security-Policy forbids it.
#include "analysis/report_assets.h"
#include "analysis/report_json.h"
#include "int8rt/report.h"

namespace int8rt {

std::string render_report_html(const ReportInputs& inputs, const ReportOptions& options) {
  const std::string title = inputs.title.empty() ? "int8rt report: " + inputs.model : inputs.title;
  // report_json escapes '<', '>' and '&' inside strings, and JSON has none outside them, so the
  // data can't close its <script> element or open a comment.
  const std::string data = report_json(inputs, options);
  std::string page;
  page.reserve(data.size() + 64 * 1024);
  page += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  page +=
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n";
  page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  page += "<meta name=\"generator\" content=\"int8rt report\">\n";
  page += "<title>" + report::html_escape(title) + "</title>\n<style>\n";
  page += report::page_style();
  page += "</style>\n</head>\n<body>\n<main id=\"report\">\n<h1>" + report::html_escape(title) +
          "</h1>\n<noscript><p>This report draws its tables and charts with JavaScript; its data "
          "is in the element #report-data of the page source.</p></noscript>\n</main>\n";
  page += "<script type=\"application/json\" id=\"report-data\">\n" + data + "\n</script>\n";
  page += "<script>\n";
  page += report::page_script();
  page += "</script>\n</body>\n</html>\n";
  return page;
}

Result<size_t> write_report_html(const std::string& path, const ReportInputs& inputs,
                                 const ReportOptions& options) {
  const std::string page = render_report_html(inputs, options);
  INT8RT_RETURN_IF_ERROR(write_file_atomic(path, page));
  return page.size();
}

}  // namespace int8rt
