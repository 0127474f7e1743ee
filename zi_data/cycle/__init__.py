"""The yearly ZI cycle across units: roster, TPN results, stages, proposals within a quota, calibration."""
