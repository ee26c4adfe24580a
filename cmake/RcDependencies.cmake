# Finds every dependency of rnnchaos.  A missing one stops configure with the Debian package
# that provides it, so a user on a fresh machine knows what to install.

include(FindPackageHandleStandardArgs)
find_package(PkgConfig QUIET)

function(rc_require_found found what package)
  if(NOT ${found})
    message(FATAL_ERROR "rnnchaos needs ${what}: install it with\n"
                        "  apt-get install ${package}\n"
                        "(or run scripts/setup-debian.sh, which installs everything)")
  endif()
endfunction()

if(NOT PKG_CONFIG_FOUND)
  rc_require_found(PKG_CONFIG_FOUND "pkg-config" "pkg-config")
endif()

find_package(MPI COMPONENTS C)
rc_require_found(MPI_C_FOUND "MPI (Open MPI)" "libopenmpi-dev openmpi-bin")

set(HDF5_PREFER_PARALLEL TRUE)
find_package(HDF5 COMPONENTS C)
rc_require_found(HDF5_FOUND "HDF5" "libhdf5-openmpi-dev")
if(NOT HDF5_IS_PARALLEL)
  message(FATAL_ERROR "rnnchaos needs a *parallel* HDF5 (MPI-IO driver), but the HDF5 found "
                      "(${HDF5_C_INCLUDE_DIRS}) is serial: install libhdf5-openmpi-dev")
endif()

pkg_check_modules(OPENBLAS IMPORTED_TARGET openblas)
rc_require_found(OPENBLAS_FOUND "OpenBLAS" "libopenblas-dev")

# find_package(scalapack CONFIG) is broken on Debian 12 (points at a missing .so): pkg-config.
pkg_check_modules(SCALAPACK IMPORTED_TARGET scalapack-openmpi)
rc_require_found(SCALAPACK_FOUND "ScaLAPACK" "libscalapack-openmpi-dev")

pkg_check_modules(INIH IMPORTED_TARGET inih)
rc_require_found(INIH_FOUND "libinih" "libinih-dev")

pkg_check_modules(FFTW3 IMPORTED_TARGET fftw3)
rc_require_found(FFTW3_FOUND "FFTW3" "libfftw3-dev")

pkg_check_modules(JANSSON IMPORTED_TARGET jansson)
rc_require_found(JANSSON_FOUND "jansson" "libjansson-dev")

pkg_check_modules(CMOCKA IMPORTED_TARGET cmocka)
rc_require_found(CMOCKA_FOUND "cmocka" "libcmocka-dev")

find_path(RANDOM123_INCLUDE_DIR Random123/philox.h)
set(RANDOM123_FOUND FALSE)
if(RANDOM123_INCLUDE_DIR)
  set(RANDOM123_FOUND TRUE)
endif()
rc_require_found(RANDOM123_FOUND "Random123" "librandom123-dev")

find_library(GSL_LIBRARY gsl)
find_library(GSLCBLAS_LIBRARY gslcblas)
find_path(GSL_INCLUDE_DIR gsl/gsl_integration.h)
set(GSL_FOUND FALSE)
if(GSL_LIBRARY AND GSL_INCLUDE_DIR)
  set(GSL_FOUND TRUE)
endif()
rc_require_found(GSL_FOUND "GSL (quadrature and root finding for the mean-field theory)" "libgsl-dev")
