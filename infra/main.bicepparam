// Parameters for a dev environment. azd sets AZURE_ENV_NAME, AZURE_LOCATION and AZURE_PRINCIPAL_ID; with the Azure
// CLI, export them (and the others) before `az deployment group create`.
using 'main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'dev')
param location = readEnvironmentVariable('AZURE_LOCATION', 'uksouth')
param tags = { environment: 'dev', service: 'staff-passport-sharing' }

param verifiedIdAuthority = readEnvironmentVariable('VERIFIEDID_AUTHORITY', 'did:web:verifier.dev.staffpassport.example')
param corsAllowedOrigins = [readEnvironmentVariable('PORTAL_ORIGIN', 'http://localhost:5173')]

param cosmosCapacityMode = 'Serverless'
param serviceBusSku = 'Standard'
param instanceMemoryMB = 2048
param maximumInstanceCount = 40

param signingKeySecretExists = bool(readEnvironmentVariable('SIGNING_KEY_SECRET_EXISTS', 'false'))
param operatorPrincipalId = readEnvironmentVariable('AZURE_PRINCIPAL_ID', '')

param enableFrontDoor = false
