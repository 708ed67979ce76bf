"""Pure feature logic: workday status, off-hours, watermark and device policy."""
