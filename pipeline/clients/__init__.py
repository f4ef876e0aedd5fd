"""The one place that creates Kafka and Elasticsearch clients, with security options applied once."""
