# tidecast_module(NAME DEPENDS deps...)
# Builds src/NAME/*.cpp into the static library tidecast_NAME. Sources are
# globbed so adding a file to a subsystem never means editing CMake.
function(tidecast_module name)
  cmake_parse_arguments(ARG "" "" "DEPENDS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/src/${name}/*.cpp")
  if(NOT sources)
    set(sources "${CMAKE_SOURCE_DIR}/cmake/empty.cpp")
  endif()
  add_library(tidecast_${name} STATIC ${sources})
  target_include_directories(tidecast_${name} PUBLIC "${CMAKE_SOURCE_DIR}/src" "${CMAKE_SOURCE_DIR}/include")
  target_link_libraries(tidecast_${name} PUBLIC ${ARG_DEPENDS})
endfunction()
