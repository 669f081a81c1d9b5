// evaluate_top1: the top-1 loop of int8rt eval, repair and the samples.
//
// Batches come from BatchStream: the last one is zero-padded to the full batch and only its
// first `count` rows are counted, so the engine always runs at one batch size (a graph that fixed
// its batch at build time runs too).
#include "analysis/evaluate_util.h"
#include "analysis/progress_phase.h"
#include "int8rt/analysis.h"

namespace int8rt {

Result<Accuracy> evaluate_top1(const Engine& engine, DataSource& data,
                               const EvaluateOptions& options) {
  if (!data.has_labels()) {
    return invalid_argument("data \"", data.name(), "\": has no labels; top-1 accuracy needs them");
  }
  INT8RT_RETURN_IF_ERROR(analysis::check_input_fits(engine, data, "engine"));
  INT8RT_ASSIGN_OR_RETURN(int64_t batch, analysis::run_batch(engine, options.batch_size));
  INT8RT_ASSIGN_OR_RETURN(analysis::ClassifierRun run,
                          analysis::classifier_run(engine, data, batch, "engine"));
  BatchStream stream(data, batch, options.max_samples);
  if (stream.size() == 0) return invalid_argument("data \"", data.name(), "\": no samples");
  std::vector<float> scores(static_cast<size_t>(batch * run.classes));
  analysis::ProgressPhase phase(options.progress, "evaluation", stream.num_batches());
  Accuracy accuracy;
  Batch input;
  int64_t batches = 0;
  for (;;) {
    INT8RT_ASSIGN_OR_RETURN(bool more, stream.next(input));
    if (!more) break;
    const void* inputs[] = {input.data.data()};
    void* outputs[] = {scores.data()};
    INT8RT_RETURN_IF_ERROR(run.context->execute(inputs, outputs));
    for (int64_t i = 0; i < input.count; ++i) {
      const int64_t best = analysis::argmax(scores.data() + i * run.classes, run.classes);
      INT8RT_ASSIGN_OR_RETURN(
          int64_t label, analysis::checked_label(data, input, i, run.classes, run.output_name));
      accuracy.correct += best == label;
      if (options.on_prediction) options.on_prediction(input.first + i, label, best);
    }
    accuracy.total += input.count;
    ++batches;
    if (!phase.step(batches, accuracy.total)) {
      return invalid_argument("evaluation cancelled after ", batches, " batches");
    }
  }
  return accuracy;
}

}  // namespace int8rt
