# Installs the build into PREFIX, builds tests/consumer against it and runs
# it, and runs the installed tool on its installed examples.
# With PYTHON (the interpreter the package was built for) and PYTHON_DIR (its
# folder under the prefix), the installed Python package imports and trains
# away from the build tree; nothing is installed outside PREFIX.
#   cmake -DBUILD=... -DPREFIX=... -DCONSUMER=... [-DTorch_DIR=...] [-DPYTHON=... -DPYTHON_DIR=...] -P check_install.cmake
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()
file(REMOVE_RECURSE ${PREFIX} ${PREFIX}_consumer)
run(${CMAKE_COMMAND} --install ${BUILD} --prefix ${PREFIX})
foreach(f bin/dynae include/dynae/training/estimator.h share/dynae/examples/data/three_state_traj_data200k.npy)
  if(NOT EXISTS ${PREFIX}/${f})
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()
file(GLOB config ${PREFIX}/lib*/cmake/dynae/dynaeConfig.cmake)
if(NOT config)
  message(FATAL_ERROR "no CMake package under ${PREFIX}/lib*/cmake/dynae")
endif()
set(torch_arg)
if(Torch_DIR)
  set(torch_arg -DTorch_DIR=${Torch_DIR})
endif()
run(${CMAKE_COMMAND} -S ${CONSUMER} -B ${PREFIX}_consumer -DCMAKE_PREFIX_PATH=${PREFIX} ${torch_arg} -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build ${PREFIX}_consumer)
run(${PREFIX}_consumer/app ${PREFIX}_consumer/model.pt)
message(STATUS "consumer: ${last_output}")
# The installed tool, away from the sources, finds its installed examples.
run(${PREFIX}/bin/dynae demo --frames 4000 --epochs 2 --out ${PREFIX}_consumer/demo)
message(STATUS "installed dynae demo ran")
if(PYTHON)
  if(NOT EXISTS ${PREFIX}/${PYTHON_DIR}/dynae/__init__.py)
    message(FATAL_ERROR "the Python package is not installed under ${PREFIX}/${PYTHON_DIR}")
  endif()
  run(${CMAKE_COMMAND} -E env PYTHONPATH=${PREFIX}/${PYTHON_DIR} ${PYTHON} ${CMAKE_CURRENT_LIST_DIR}/check_installed_package.py
      ${PREFIX})
  message(STATUS "installed Python package: ${last_output}")
endif()
