"""The local Cloud Asset / Resource Manager fake and the seeded projects the GCP tests read."""
