"""Installing and removing: install.sh's stages and their timings, the receipt, the
command link, the PATH blocks in start-up files, and uninstall."""
