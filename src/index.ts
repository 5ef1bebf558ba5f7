/**
 * predann's public library API: the one barrel users and tests import.
 *
 * @example
 * import { ingest, Dataset, officialSplit, validationWindows, preprocessCrops } from 'predann';
 */
export { native, type BuildInfo } from './native.js';
export { packageVersion } from './version.js';
export { InputError, UsageError, ExitCode } from './errors.js';

// NMED-T facts and the data protocol
export * as nmedt from './data/nmedt.js';
export { PyRandom, type PyRandomState } from './data/py-random.js';
export { chunkRef, chunkKey, chunkRange, chunksAvailable, type ChunkRef, type ChunkRange, type DelayOptions } from './data/chunks.js';
export { officialSplit, stratifiedSplit, leaveSubjectsOutSplit, type Split, type StratifiedSplitOptions } from './data/split.js';
export { trainingCrop, audioOffsetOf, maxTrainingOffset, type TrainingCrop, type IntegerSource } from './data/crops.js';
export { validationWindows, windowCount, type ValidationWindow, type ValidationWindowOptions, type WindowCrop } from './data/windows.js';
export {
  preprocessClips,
  preprocessCrops,
  clipEngines,
  type ClipEngine,
  type ClipPreprocessOptions,
  type ClipPreprocessResult,
  type ClipShape,
  type ChannelMajorRecording,
} from './data/clip-preprocess.js';

// Data sets: synthesis, ingest, the dataset directory
export { synthesizeNmedt, type SynthOptions, type SynthSummary } from './data/synth/synth-nmedt.js';
export { ingest, type IngestOptions, type IngestResult } from './ingest/ingest.js';
export { Dataset, type DatasetManifest, type DatasetSummary, type RecordingEntry, type SongEntry, type SkippedRecording } from './data/dataset.js';
export { formatDatasetSummary } from './data/dataset-report.js';

// Signal processing
export { resample, type ResampleEngine, type ResampleOptions } from './dsp/resample.js';
export {
  designIir, sosfilt, lfilter, sosfiltfilt, filtfilt, sosfiltZi, lfilterZi,
  type FilterSpec, type FilterDesign, type FilterFamily, type FilterBand, type FilterEngine, type SignalShape, type OnePassOptions,
} from './dsp/iir-filter.js';
export { parseFilterSpec, formatFilterSpec, filterPresets, FilterSpecError, type FilterStage } from './dsp/filter-spec.js';
export {
  designFilterPipeline, applyFilterPipeline, filterFloat32, pipelinePadlen,
  type FilterPipeline, type DesignedStage, type AppliedFilter,
} from './dsp/filter-pipeline.js';
export { filterDataset, type FilterDatasetOptions, type FilterDatasetResult } from './ingest/filter-dataset.js';
export { zeroPhaseGainDb, describePipeline, responseChart } from './dsp/filter-response.js';

// File formats
export { MatV73Reader, MatV73Writer, type MatVariableInfo, type MatCellValue } from './io/mat-v73.js';
export { readMatV5, parseMatV5, writeMatV5, type MatV5Value, type MatV5Variable } from './io/mat-v5.js';
export { readWav, readWavInfo, parseWav, writeWav, copyWavPrefix, type WavAudio, type WavFormat, type WavInfo } from './io/wav.js';
export { EegArrowReader, EegArrowWriter, type EegRecording } from './io/eeg-arrow.js';
export { readSafetensors, parseSafetensors, writeSafetensors, type Tensor, type TensorData, type SafetensorsDtype } from './io/safetensors.js';

// The model
export { presets, modelTensors, encoderTensors, encoderParameterCount, type ModelPreset, type EncoderSpec, type TensorSpec } from './model/model-spec.js';
export { loadWeights, saveWeights, checkWeights, type Weights } from './model/weights.js';
export { initialWeights, TorchGenerator } from './model/torch-init.js';
export { encoderForwardEval, encoderDims, type Branch, type EncoderOutput } from './model/encoder.js';
export { infoNce, crossEntropy } from './model/losses.js';
export {
  trainStep,
  adamStep,
  adamState,
  zeroGradients,
  trainableNames,
  detachedTensors,
  defaultTrainStepConfig,
  type TrainStepConfig,
  type TrainBatch,
  type TrainStepResult,
  type EncoderStepProfile,
  type Gradients,
  type AdamState,
  type AdamOptions,
} from './model/train-step.js';

// Training data
export { TrainingData } from './train/training-batch.js';
export { writeAudioClip } from './train/audio-clip.js';
export { train, type TrainOptions, type TrainResult } from './train/train.js';
export { windowAccuracy, type WindowAccuracy, type BranchScore } from './train/evaluate-windows.js';
export { recalibrateBatchNorm, type RecalibrationOptions } from './train/recalibrate-batchnorm.js';
export { chooseSplit } from './data/split.js';
export { writeCheckpoint, readCheckpoint, hasCheckpoint, type CheckpointState } from './train/checkpoint.js';

// Evaluation and reports
export { evaluationItems, evaluationProtocols, type EvaluationItem, type EvaluationItemOptions, type EvaluationProtocol } from './eval/evaluation-items.js';
export { aggregate, aggregations, argmax, softmaxRows, type Aggregation, type Aggregated } from './eval/aggregate.js';
export { evaluate, type EvaluateOptions, type Evaluation, type SegmentPrediction } from './eval/evaluate.js';
export { evaluationMetrics, type EvaluationMetrics, type LengthScore, type GroupScore, type Confusion, type Score } from './eval/metrics.js';
export { loadTrainedModel, type TrainedModel } from './eval/trained-model.js';
export { runEvaluation, type RunEvaluationOptions, type RunEvaluationResult } from './eval/run-evaluation.js';
export { writeEvaluationReport, type ReportContext, type WrittenReport } from './eval/evaluation-report.js';
export { writePredictionsArrow, readPredictionsArrow } from './eval/predictions-arrow.js';
export { compareReports, type CompareOptions, type Comparison, type PairComparison } from './eval/compare-reports.js';
export { mcnemar, binomialHalfCdf, chiSquareSf1, erfc, type ContingencyTable, type McNemarOptions, type McNemarResult } from './eval/mcnemar.js';
export { pairedStatistics, granularities, type Granularity, type Correctness, type PairedKeys, type PairedOptions, type PairedRow } from './eval/paired-statistics.js';

// Report charts (SVG) and tables
export { lineChart, type LineChartOptions, type LineSeries } from './report/line-chart.js';
export { barChart, type BarChartOptions, type Bar, type GroupedBars } from './report/bar-chart.js';
export { heatmap, normalizeRows, type HeatmapOptions } from './report/heatmap.js';
export { niceTicks, escapeXml, formatNumber, okabeIto, type ReferenceLine, type ChartSize } from './report/svg-document.js';
export { markdownTable } from './report/markdown-table.js';

// Interop: PyTorch checkpoints, ONNX, serving
export { importTorchCheckpoint, readTorchCheckpoint, parseTorchCheckpoint, mapTorchStateDict, TORCH_PREFIXES, type ImportTorchOptions, type ImportTorchSummary, type TorchCheckpoint, type MappedStateDict } from './import/torch-checkpoint.js';
export { unpickle, PickleGlobal, PickleObject, TorchTensor, TorchStorage, type PickleValue, type TorchDtype } from './io/torch-pickle.js';
export { readZipArchive, type ZipArchive } from './io/zip-archive.js';
export { predict, openClassifier, type PredictOptions, type PredictResult } from './serve/predict.js';
export { embed, type EmbedOptions, type EmbedResult } from './serve/embed.js';
export { nativeClassifier, inferenceEngines, type InferenceEngine, type WindowClassifier, type WindowOutputs } from './serve/window-classifier.js';
export { onnxClassifier } from './serve/onnx-classifier.js';
export { slidingWindows, validationPredictionWindows, windowSelections, type PredictionWindow, type WindowSelection } from './serve/prediction-windows.js';
export { TeacherTable } from './train/teacher-table.js';
export { exportEegModel, exportCheckpointToOnnx, foldBatchNorm, onnxOpset, onnxIrVersion, type EegExportOptions, type EegExportSource, type EegOnnxModel, type ExportSummary } from './onnx/export-eeg-model.js';
