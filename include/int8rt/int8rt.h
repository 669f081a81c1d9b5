// The whole public API of int8rt.
#pragma once

#include "int8rt/analysis.h"
#include "int8rt/attrs.h"
#include "int8rt/builder.h"
#include "int8rt/calibrator.h"
#include "int8rt/data.h"
#include "int8rt/engine.h"
#include "int8rt/logger.h"
#include "int8rt/network.h"
#include "int8rt/onnx_parser.h"
#include "int8rt/progress.h"
#include "int8rt/status.h"
#include "int8rt/types.h"
