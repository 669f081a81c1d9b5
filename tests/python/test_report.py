"""render_report_html / report_json / write_report from Python on LeNet-5: the page's embedded
JSON (parsed out of its <script id="report-data"> element) holds what analyze_calibration,
compare_engines and Engine.layers returned, one entry each."""

import html.parser
import json

import pytest

import int8rt
from conftest import ArrayCalibrator, lenet_config, lenet_network, needs_mnist

pytestmark = needs_mnist

MODEL = "lenet5_mnist.onnx"


class ScriptData(html.parser.HTMLParser):
    """The text of <script type="application/json" id="report-data"> and the page <title>."""

    def __init__(self):
        super().__init__()
        self.data, self.title, self.scripts = None, None, 0
        self._in = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts += 1
            if attrs.get("id") == "report-data":
                assert attrs.get("type") == "application/json"
                self._in, self.data = "data", ""
        elif tag == "title":
            self._in, self.title = "title", ""

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, text):
        if self._in == "data":
            self.data += text
        elif self._in == "title":
            self.title += text


def parse_page(page):
    parser = ScriptData()
    parser.feed(page)
    parser.close()
    assert parser.data is not None, "no <script id=\"report-data\"> in the page"
    return parser, json.loads(parser.data)


@pytest.fixture(scope="module")
def analyses(mnist, split, training_indices):
    builder = int8rt.Builder()
    network = lenet_network(builder)
    config = lenet_config(builder, 32)
    config.set_flag(int8rt.BuilderFlag.INT8)
    config.int8_calibrator = ArrayCalibrator(mnist[0][training_indices][:128])
    calibration = builder.analyze_calibration(network, config)
    config.int8_calibrator = ArrayCalibrator(mnist[0][training_indices][:128])
    int8 = builder.build(network, config)
    config.clear_flag(int8rt.BuilderFlag.INT8)
    fp32 = builder.build(network, config)
    images, labels = mnist[0][split[:96]], mnist[1][split[:96]]
    comparison = int8rt.compare_engines(fp32, int8, images, labels=labels)
    return network, calibration, comparison, int8


def activation_names(network):
    """Every float activation: the network inputs and every layer's outputs."""
    names = [t.name for t in network.inputs]
    for layer in network.layers:
        names += [t.name for t in layer.outputs if t.name not in names]
    return names


def test_page_embeds_every_tensor_comparison_and_layer(analyses):
    network, calibration, comparison, int8 = analyses
    inputs = int8rt.ReportInputs(model=MODEL, calibration=calibration, comparison=comparison,
                                 layers=int8.layers(), backend=str(int8.backend),
                                 notes={"batch size": 32, "calibration samples": 128})
    page = int8rt.render_report_html(inputs)
    parser, data = parse_page(page)

    # LeNet: the input and 14 layer outputs, each with its histogram.
    expected = activation_names(network)
    assert len(expected) == 15
    tensors = data["calibration"]["tensors"]
    assert len(tensors) == len(expected) == len(calibration.tensors)
    assert sorted(t["name"] for t in tensors) == sorted(expected)
    assert data["calibration"]["samples"] == 128 and data["calibration"]["batches"] == 4
    for t, h in zip(tensors, calibration.tensors):
        assert t["name"] == h.name and t["amax"] == pytest.approx(h.amax, rel=1e-6)
        # The bars are the histogram's bins summed in groups: no count is lost.
        assert sum(t["counts"]) == int(h.counts.sum())

    compared = data["comparison"]
    assert compared["samples"] == 96 and len(compared["tensors"]) == len(comparison.tensors)
    assert [t["name"] for t in compared["tensors"]] == [t.name for t in comparison.tensors]
    assert compared["int8_accuracy"]["correct"] == comparison.int8_accuracy.correct
    assert [layer["name"] for layer in data["layers"]] == [layer.name for layer in int8.layers()]

    assert data["model"] == MODEL and data["backend"] == str(int8.backend)
    assert data["notes"] == [["batch size", "32"], ["calibration samples", "128"]]
    assert data["charts_per_tensor"] == int8rt.REPORT_CHARTS_PER_TENSOR == 2
    assert parser.title == f"int8rt report: {MODEL}"
    # The page's own JSON is report_json's.
    assert data == json.loads(int8rt.report_json(inputs))


def test_sections_follow_the_inputs_and_options(analyses):
    _, calibration, _, _ = analyses
    _, data = parse_page(int8rt.render_report_html(int8rt.ReportInputs(title="empty")))
    assert data["calibration"] is None and data["comparison"] is None and data["layers"] == []
    assert data["title"] == "empty"

    inputs = int8rt.ReportInputs()
    inputs.calibration = calibration
    inputs.notes = [("k", "v")]
    assert inputs.notes == [("k", "v")]
    _, data = parse_page(int8rt.render_report_html(inputs, max_histogram_bins=16))
    for t, h in zip(data["calibration"]["tensors"], calibration.tensors):
        # ceil(bins / 16) bins a bar.
        group = -(-len(h.counts) // 16)
        assert len(t["counts"]) <= 16 and t["group"] == group, t["name"]
        assert sum(t["counts"]) == int(h.counts.sum())
    with pytest.raises(int8rt.Error, match="max_histogram_bins"):
        int8rt.render_report_html(inputs, max_histogram_bins=0)


def test_hostile_names_stay_inside_the_data():
    model = "</script><script>alert(1)</script>&<b>"
    page = int8rt.render_report_html(int8rt.ReportInputs(model=model, notes={"<k>": "</script>"}))
    parser, data = parse_page(page)
    assert data["model"] == model and data["notes"] == [["<k>", "</script>"]]
    assert parser.scripts == 2  # the data and the page script: no injected element
    assert "alert(1)</script>" not in page


def test_write_report(analyses, tmp_path):
    _, calibration, comparison, int8 = analyses
    inputs = int8rt.ReportInputs(model=MODEL, calibration=calibration, comparison=comparison,
                                 layers=int8.layers())
    path = tmp_path / "report.html"
    size = int8rt.write_report(str(path), inputs)
    text = path.read_bytes()
    assert size == len(text) and text.decode() == int8rt.render_report_html(inputs)
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left
    with pytest.raises(int8rt.Error, match="no-such-dir"):
        int8rt.write_report(str(tmp_path / "no-such-dir" / "r.html"), inputs)
